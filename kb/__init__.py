"""kb: a payment-domain knowledge base extracted from WeChat group chat logs."""

__version__ = "0.1.0"
