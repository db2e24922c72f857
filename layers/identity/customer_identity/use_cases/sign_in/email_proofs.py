"""Proof that someone holds an inbox before its address becomes their login email.

Asking for an address answers the same whatever the address: if another account has it, its
inbox gets a notice (nothing usable), else it gets a single-use token (32 random bytes, stored as
its SHA-256, 1 hour) that only the account that asked can use. At most 3 messages per address per
15 minutes; further requests are dropped silently.
"""

from __future__ import annotations

import secrets

from pynamodb.exceptions import DeleteError

from customer_identity.core.clock import epoch
from customer_identity.core.errors import InvalidEmailToken, TooManyRequests
from customer_identity.storage import keys, table
from customer_identity.storage.entities import EmailProofItem
from customer_identity.use_cases.sign_in.accounts import Accounts, LoginAccount
from customer_identity.use_cases.sign_in.limits import Limits
from customer_identity.use_cases.sign_in.notifications import Message, Sender
from customer_identity.use_cases.sign_in.tokens import token_digest

EMAIL_PROOF_TTL_SECONDS = 3600


class EmailProofs:
    def __init__(self, accounts: Accounts, limits: Limits, sender: Sender) -> None:
        self.accounts = accounts
        self.limits = limits
        self.sender = sender

    def request(self, account: LoginAccount, email: str) -> None:
        """Send ``email`` a token for ``account`` (or a notice, if another account has it); tell the caller nothing."""
        if email == account.item.email:
            return  # already this account's login: nothing to prove
        try:
            self.limits.record_send("email_proof", email)
        except TooManyRequests:  # dropped silently: the answer must not differ
            return
        owner = self.accounts.by_email(email)
        if owner is not None and owner.account_id != account.account_id:
            self.sender.send(to=email, channel="email", message=Message.email_in_use())
            return
        token = secrets.token_urlsafe(32)
        now = epoch()
        EmailProofItem(
            *keys.email_proof_key(token_digest(token)),
            account_kind=account.kind,
            account_id=account.account_id,
            email=email,
            expires_at=int(now + EMAIL_PROOF_TTL_SECONDS),
            expiration=int(now + EMAIL_PROOF_TTL_SECONDS + 3600),
        ).save()
        self.sender.send(to=email, channel="email", message=Message.email_proof(token))

    def take(self, account: LoginAccount, token: str) -> str:
        """Use ``token`` (once, only by the account that asked): the email it proves.

        The token is spent before the email is set: a failure in between costs the caller a new
        request, never an email set without proof.
        """
        key = keys.email_proof_key(token_digest(token))
        proof = table.get(EmailProofItem, key)
        now = int(epoch())
        if (
            proof is None
            or proof.expires_at <= now
            or (proof.account_kind, proof.account_id) != (account.kind, account.account_id)
        ):
            raise InvalidEmailToken()
        try:
            proof.delete(condition=EmailProofItem.expires_at > now)
        except DeleteError as error:
            if table.condition_failed(error):
                raise InvalidEmailToken() from error
            raise
        return proof.email
