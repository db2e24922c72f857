"""The backfill: legacy exports in, one customer per phone out, every input row accounted for.

``extjson`` reads mongoexport lines; ``records`` turns a line into a typed record; ``planner``
groups records by phone and decides every outcome; ``chunks`` stores the plan in chunk files;
``writer`` applies one chunk to the table; ``report`` writes what happened to each row.
"""
