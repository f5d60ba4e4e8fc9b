"""What a page run stands on: the process's caches and the session's state
(:mod:`~app.runtime.state`), the background Monte Carlo (:mod:`~app.runtime.jobs`), the view in
the address (:mod:`~app.runtime.urlstate`), exports on their own pool
(:mod:`~app.runtime.exports`), uploads read once (:mod:`~app.runtime.parsed`), the process's
health (:mod:`~app.runtime.watchdog`) and, for tests and benchmarks, a local server
(:mod:`~app.runtime.localserver`)."""
