"""The audit log: who read or changed a young person's data, and when."""
