"""The wallet: the few things a young person needs with no connection, kept on their phone."""
