"""The analytics service: users' activity, products' popularity and sales, kept as rollups
that only other services' events feed."""
