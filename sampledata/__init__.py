"""Sample data: the fictional Almere demo (``seed_demo``) and the generators of
large synthetic datasets for benchmarks (``generate_scale_data``).

This app sits above ``registry``, ``referrals`` and ``dashboard``: it may import
all three, and none of them imports it (tests/test_layers.py keeps it so).
"""
