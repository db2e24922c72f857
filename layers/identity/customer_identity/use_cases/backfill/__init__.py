"""The backfill: legacy exports in, one customer per phone out, every input row accounted for.

``extjson`` reads mongoexport lines; ``records`` turns a line into a typed record; ``planner``
groups records by phone and decides every outcome; ``planning`` (the plan step) stores the plan in
chunk files; ``writer`` applies one chunk to the table: ``new_customers`` creates the customers the
plan numbered, ``linking`` links persons to customers that already existed, ``staff_accounts`` and
``held_rows`` write staff accounts and the review items of held rows, all through the conditional
writes of ``conditional_puts``, reporting in the shapes of ``outcomes``; ``report`` writes what
happened to each row.
"""
