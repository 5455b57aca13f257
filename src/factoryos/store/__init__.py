"""Persistence: SQLAlchemy 2 tables and repositories, Alembic migrations; SQLite by default."""
