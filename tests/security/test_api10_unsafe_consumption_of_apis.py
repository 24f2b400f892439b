"""API10:2023 Unsafe Consumption of APIs: misbehaving providers end in a clean error of ours."""
