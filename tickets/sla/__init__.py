"""Service levels: policies, due dates on business hours, the sweep that records warnings and
breaches and escalates, and their figures (docs/sla.md)."""
