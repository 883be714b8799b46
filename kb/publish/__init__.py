"""Publishing: the static wiki, term lookups and reading lists, from the database alone.

Imports only kb.store and kb.errors (never kb.nlp or kb.extract): nothing here
loads a model. Submodules are imported where used, so ``kb lookup`` stays light.
"""
