// Timers through Go's netpoller: time.Sleep, time.Ticker, time.After and
// timer.Stop/Reset in goroutines, which Go's runtime serves with
// epoll_pwait (its timeouts) and a non-blocking pipe to wake it, and an
// os.Pipe read through the netpoller (edge-triggered epoll). Prints only
// facts that hold however slow the machine is, so every run agrees.
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

func sleeps() {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	fmt.Println("sleep: at least 20ms:", time.Since(start) >= 20*time.Millisecond)
}

func ticker() {
	start := time.Now()
	t := time.NewTicker(10 * time.Millisecond)
	n := 0
	for range t.C {
		n++
		if n == 5 {
			break
		}
	}
	t.Stop()
	fmt.Println("ticker: 5 ticks, at least 50ms:", time.Since(start) >= 50*time.Millisecond)
}

func after() {
	start := time.Now()
	<-time.After(30 * time.Millisecond)
	fmt.Println("after: at least 30ms:", time.Since(start) >= 30*time.Millisecond)
	t := time.NewTimer(time.Hour)
	fmt.Println("timer: stopped before firing:", t.Stop())
	t.Reset(5 * time.Millisecond)
	<-t.C
	fmt.Println("timer: reset and fired")
}

// Many goroutines asleep at once, each until its own deadline from one start.
func goroutines() {
	const n = 50
	start := time.Now()
	late := make([]bool, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			deadline := start.Add(time.Duration(i%10+1) * 3 * time.Millisecond)
			time.Sleep(time.Until(deadline))
			late[i] = !time.Now().Before(deadline)
		}(i)
	}
	wg.Wait()
	ok := true
	for _, l := range late {
		ok = ok && l
	}
	fmt.Println("goroutines:", n, "woke at or after their deadlines:", ok)
}

// A pipe read by one goroutine while another writes after a pause: Go
// parks the reader in its netpoller until epoll says the pipe is readable.
func pipe() {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println("pipe:", err)
		return
	}
	go func() {
		for i := 0; i < 3; i++ {
			time.Sleep(10 * time.Millisecond)
			fmt.Fprintf(w, "message %d\n", i)
		}
		w.Close()
	}()
	buf := make([]byte, 64)
	got := ""
	for {
		n, err := r.Read(buf)
		got += string(buf[:n])
		if err != nil {
			break
		}
	}
	r.Close()
	fmt.Printf("pipe: %q\n", got)
}

func main() {
	sleeps()
	ticker()
	after()
	goroutines()
	pipe()
}
