// Command careflow is the engine's single binary: `run` starts everything for development,
// `worker` and `api` run one role against a configured Temporal, `loadgen` drives load.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: careflow <command> [flags]

commands:
  run       start the Temporal dev server (unless TEMPORAL_ADDRESS is set), the worker, the API
            and simulators for every unconfigured vendor, in the foreground
  worker    run the workers only, against TEMPORAL_ADDRESS
  api       run the HTTP API only, against TEMPORAL_ADDRESS
  loadgen   drive concurrent payment processes through the API and compare with a no-op baseline
  healthcheck <url>
            exit 0 when an http(s) URL answers 2xx or a tcp://host:port accepts (container checks)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "run":
		err = runAll(ctx, os.Args[2:])
	case "worker":
		err = runRole(ctx, roleWorker)
	case "api":
		err = runRole(ctx, roleAPI)
	case "loadgen":
		err = runLoadgen(ctx, os.Args[2:])
	case "healthcheck":
		err = runHealthcheck(ctx, os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "careflow: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "careflow:", err)
		os.Exit(1)
	}
}
