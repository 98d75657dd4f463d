"""Web core: the FastAPI application factory, dependencies, problem+json, console rendering.

It knows nothing of the domains: ``bootstrap`` hands it routers, pages, navigation, home-page
tiles, template folders and translation catalogs.
"""
