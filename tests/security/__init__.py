"""Attacks on pcwatch as another local user, a hostile API or a spoofed endpoint would make them."""
