"""The rules of reviews, comments, likes and rating figures: plain Python, no I/O."""
