"""A young person's data rights: deletion requests and what is kept after."""
