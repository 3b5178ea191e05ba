"""HTTP routes, thin: validate the request, call a use case, shape the answer."""
