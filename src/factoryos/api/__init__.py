"""The HTTP API (FastAPI, OpenAPI at /docs and /openapi.json, routes under /api/v1): thin routes over the
order desk's services, with Bearer keys per tenant, rate limits per key and a cap on body sizes.

`create_app(database_url)` builds the app; `factoryos serve` runs it under uvicorn.
"""
