"""The business's own operations: reversible merges, the review queue, the linkage audit and alias
check, customer exports, and staff accounts."""
