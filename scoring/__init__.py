"""The compiled scorer: a fitted pipeline reduced to arrays, and the fast path scoring with them.

Training compiles every bundle's pipeline into `scorer.npz` (no pickle); the service loads only
that file, so it never unpickles anything and never imports scikit-learn.
"""
