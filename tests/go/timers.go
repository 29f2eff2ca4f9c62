// time.Sleep, time.Ticker, time.After and time.Timer: each waits at least
// as long as asked (measured with the monotonic clock time.Since uses) and
// not absurdly longer; a stopped timer never fires.
package main

import (
	"fmt"
	"time"
)

const late = 10 * time.Second

func check(what string, took, want time.Duration) {
	fmt.Printf("%s: at least %v: %v, in time: %v\n", what, want, took >= want, took < want+late)
}

func main() {
	start := time.Now()
	time.Sleep(50 * time.Millisecond)
	check("time.Sleep(50ms)", time.Since(start), 50*time.Millisecond)

	start = time.Now() // before the ticker: its ticks count from its making
	ticker := time.NewTicker(10 * time.Millisecond)
	for i := 0; i < 5; i++ {
		<-ticker.C
	}
	ticker.Stop()
	check("5 ticks of a 10ms ticker", time.Since(start), 50*time.Millisecond)

	start = time.Now()
	<-time.After(30 * time.Millisecond)
	check("time.After(30ms)", time.Since(start), 30*time.Millisecond)

	stopped := time.NewTimer(20 * time.Millisecond)
	fmt.Printf("timer stopped before firing: %v\n", stopped.Stop())
	select {
	case <-stopped.C:
		fmt.Println("stopped timer fired")
	case <-time.After(60 * time.Millisecond):
		fmt.Println("stopped timer stayed quiet")
	}
}
