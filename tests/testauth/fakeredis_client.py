"""A redis client on fakeredis that also answers INFO (AA's system checks ask for it)."""

from __future__ import annotations

import redis


class FakeRedisWithInfo(redis.Redis):
    """redis.Redis whose ``info()`` reports a plausible server instead of failing."""

    def info(self, section=None, *args, **kwargs):  # noqa: D102
        return {"redis_version": "8.2.0", "used_memory": 0, "connected_clients": 1}
