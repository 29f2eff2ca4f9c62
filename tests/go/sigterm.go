// os/signal: SIGTERM, sent from outside once the program says it is ready,
// reaches the channel signal.Notify gave; the program says so and exits 0.
// Without a signal within 60 s it exits 1.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	got := make(chan os.Signal, 1)
	signal.Notify(got, syscall.SIGTERM)
	fmt.Println("ready")
	os.Stdout.Sync()
	select {
	case s := <-got:
		fmt.Println("received:", s)
	case <-time.After(60 * time.Second):
		fmt.Println("no signal")
		os.Exit(1)
	}
}
