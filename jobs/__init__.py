"""Background jobs: RQ on Redis, or a thread pool in the process without it (jobs.queue)."""
