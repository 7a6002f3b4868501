// compose-config: `docker compose config` without Docker. It loads Compose files with compose-go — the loader
// Docker Compose v2 itself uses — which validates them against the Compose Specification's JSON schema,
// interpolates variables, normalises the model and checks its consistency (services named in depends_on,
// declared volumes and networks, …). On success it prints the resolved project as JSON; on failure it prints
// the loader's error and exits 1. test/unit/deploy/docker-compose.test.ts runs it on docker-compose.yml.
//
//	compose-config [-env NAME=VALUE]... FILE...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

type envList []string

func (e *envList) String() string     { return fmt.Sprint(*e) }
func (e *envList) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	var env envList
	flag.Var(&env, "env", "NAME=VALUE to interpolate (repeatable); the process environment is not used")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-config [-env NAME=VALUE]... FILE...")
		os.Exit(2)
	}
	workingDir, err := filepath.Abs(filepath.Dir(flag.Arg(0)))
	if err != nil {
		fail(err)
	}
	// As `docker compose config` does (docker/compose cmd/compose/compose.go), minus the process environment,
	// so that the result does not depend on who runs it.
	options, err := cli.NewProjectOptions(flag.Args(),
		cli.WithWorkingDirectory(workingDir),
		cli.WithEnv(env),
		cli.WithDotEnv,
		cli.WithConsistency(true),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(append(out, '\n'))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
