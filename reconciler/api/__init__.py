"""The only package that imports requests: session, retries, deadline, rate cap, pages, URLs."""
