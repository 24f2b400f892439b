-- GET the URL given to wrk with the API key of BENCH_KEY.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
