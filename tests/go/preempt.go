// Asynchronous preemption: with GOMAXPROCS=1, a goroutine spinning in a
// loop with no function call (no cooperative preemption point) must still
// be preempted (Go sends its thread SIGURG) so that the main goroutine's
// ticker fires five times; then the spinner is told to stop.
package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

func main() {
	runtime.GOMAXPROCS(1)
	var stop, spins int64
	started := make(chan bool)
	done := make(chan bool)
	go func() {
		started <- true
		n := int64(0)
		for atomic.LoadInt64(&stop) == 0 {
			n++
		}
		atomic.StoreInt64(&spins, n)
		done <- true
	}()
	<-started
	ticker := time.NewTicker(10 * time.Millisecond)
	ticks := 0
	deadline := time.Now().Add(30 * time.Second)
	for ticks < 5 && time.Now().Before(deadline) {
		<-ticker.C
		ticks++
	}
	atomic.StoreInt64(&stop, 1)
	<-done
	fmt.Printf("ticks while a goroutine spun: %d, the spinner ran: %v\n", ticks, atomic.LoadInt64(&spins) > 0)
}
