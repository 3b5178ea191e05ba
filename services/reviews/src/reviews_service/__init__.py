"""The reviews service: reviews with 1-5 ratings, comments, likes, and each product's exact
rating figures."""
