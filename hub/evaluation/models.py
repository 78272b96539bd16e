"""The trial's evaluation: cohorts, status records and the wellbeing pulse."""
