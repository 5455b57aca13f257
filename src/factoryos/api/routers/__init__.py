"""The API's routes, one module per resource: orders; products, configurations and promises."""
