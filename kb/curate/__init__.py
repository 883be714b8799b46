"""Curation: the term lifecycle, the audit log, the review queue, the glossary YAML and interchange formats.

Imports only kb.store and kb.errors (and pure libraries): the core knows no screen.
"""
