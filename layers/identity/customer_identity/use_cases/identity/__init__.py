"""One phone = one customer: phones and emails normalised, numbers from the gap-free counter,
race-safe registration, resolution of any identifier, profiles, markers, listing and the views,
and the counting rules every counted write applies. Imports no other feature package."""
