"""The use cases: each one function over the store and the engines, shared by the CLI, the API and the demo."""
