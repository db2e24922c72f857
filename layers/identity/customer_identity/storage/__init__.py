"""The data-access layer: the only code that knows the table (keys, items, indexes, requests).

``keys`` owns every key and index shape; ``entities`` the PynamoDB item classes (index keys are
derived when an item is serialised); ``table`` the connection, configured once per execution
environment, and typed reads; ``transactions`` all-or-nothing writes with labelled operations;
``paging`` opaque cursors. Nothing above this package builds a key string.
"""
