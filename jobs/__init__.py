"""Background jobs (RQ on Redis, or in-process without it); they arrive with the events issue."""
