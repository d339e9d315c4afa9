"""Adapters to other engines. Each imports its engine only when used; the core never needs them."""
