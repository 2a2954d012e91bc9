const STORAGE = `Storage (the same for every command, so requesters made here reach a running server):
  --sqlite <file>              SQLite file (default ./toopher-server.db)      env TOOPHER_SERVER_SQLITE
  --redis <url>                redis:// or rediss:// URL, for several instances env TOOPHER_SERVER_REDIS_URL
  --redis-key-prefix <prefix>  Prefix of every Redis key                       env TOOPHER_SERVER_REDIS_KEY_PREFIX`;

export const MAIN_HELP = `Usage: toopher-server <command> [options]

A Toopher-compatible push-approval server with a phone web app.

Commands:
  start                        Run the server
  requesters create|list|rotate|delete
                               Manage requesters (websites' consumer keys and secrets)

Run toopher-server <command> --help for its options. Options given on the command line win over the
environment variables named in each command's help.
`;

export const START_HELP = `Usage: toopher-server start [options]

Runs the Toopher v1 API (/v1), the phone app (/app/), its device API (/device/v1) and /health.
Logs are JSON lines on stdout. SIGTERM or Ctrl-C closes gracefully (a second one exits at once).

${STORAGE}

Network:
  --host <address>             Interface (default 127.0.0.1). Any other address needs --tls-cert/--tls-key
                               or --trust-proxy                                env TOOPHER_SERVER_HOST
  --port <n>                   Port (default 4100; 0 = any free port)          env TOOPHER_SERVER_PORT
  --public-url <url>           The https URL users and phones reach (QR links, the app)
                                                                               env TOOPHER_SERVER_PUBLIC_URL
  --tls-cert <file>            PEM certificate (with --tls-key): serve https   env TOOPHER_SERVER_TLS_CERT
  --tls-key <file>             PEM private key                                 env TOOPHER_SERVER_TLS_KEY
  --trust-proxy <value>        Express 'trust proxy' behind a TLS-terminating proxy: true, a hop count,
                               or addresses/subnets (e.g. loopback, 10.0.0.0/8); needs an https
                               --public-url                                    env TOOPHER_SERVER_TRUST_PROXY

Push and limits:
  --push-subject <mailto:|https:>  Turn on Web Push with this VAPID contact    env TOOPHER_SERVER_PUSH_SUBJECT
  --no-push                    No Web Push (the app polls)                     env TOOPHER_SERVER_NO_PUSH=1
  --rate-limit-api <n>         /v1 requests per minute per requester           env TOOPHER_SERVER_RATE_LIMIT_API
  --rate-limit-device <n>      Device API requests per minute per address      env TOOPHER_SERVER_RATE_LIMIT_DEVICE
  --rate-limit-registrations <n>  Device registrations per hour per address
                                                                   env TOOPHER_SERVER_RATE_LIMIT_REGISTRATIONS
Timing:
  --pending-timeout-ms <n>     Sign-in requests time out after this long       env TOOPHER_SERVER_PENDING_TIMEOUT_MS
  --pairing-timeout-ms <n>     Unanswered pairings expire after this long      env TOOPHER_SERVER_PAIRING_TIMEOUT_MS
  --shutdown-timeout-ms <n>    How long shutdown waits for requests in flight  env TOOPHER_SERVER_SHUTDOWN_TIMEOUT_MS

  -h, --help                   Show this help
`;

export const REQUESTERS_HELP = `Usage: toopher-server requesters <create|list|rotate|delete> [options]

  requesters create --name <name>   A new requester; prints its consumer key and secret (the secret only now)
  requesters list [--json]          Every requester's key, id and name (never secrets)
  requesters rotate <key>           A new secret for the requester (printed only now); the old one stops working
  requesters delete <key>           Deletes the requester; its signed calls fail from then on

Changes reach a running server at its next request. Each change goes to the audit log.

${STORAGE}

  -h, --help                        Show this help
`;
