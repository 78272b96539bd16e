"""The outbox for messages to people outside the app (e-mail today).

A message is written as a row in the same transaction as the action that causes it (a reset
link asked for, a sign-up, an inactivity warning), so it exists exactly when the action was
saved; the scheduler sends it from the row, with retries, and records the outcome. No request
thread ever talks to the mail server.
"""
