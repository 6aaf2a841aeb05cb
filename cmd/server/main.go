// Command server runs planapi: the GraphQL service for the city's five-year plan evaluation.
//
//	go run ./cmd/server                  serve (a private PostgreSQL when DATABASE_URL is unset)
//	go run ./cmd/server token --region CODE --role ROLE [--ttl 8h] [--sub ID] [--name 王丽]
//	                                     print a token signed with the configured secret,
//	                                     for a region that exists (checked when it can be)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"planapi/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], environ(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "planapi:", err)
		os.Exit(1)
	}
}

func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				env[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	return env
}

func run(ctx context.Context, args []string, env map[string]string, out io.Writer) error {
	if len(args) > 0 && args[0] == "token" {
		// The token alone on out; notes (the region checked, or why it could not be) on stderr.
		return runToken(ctx, args[1:], env, out, os.Stderr)
	}
	if len(args) > 0 {
		return fmt.Errorf("unknown command %q: run with no arguments to serve, or \"token\" to mint a token", args[0])
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, server.TuneGC(env))
	return serve(ctx, cfg, out)
}
