// 10,000 goroutines over channels and a sync.WaitGroup: each sends its
// number to a collector; then a chain of 10,000 goroutines passes a value
// along unbuffered channels, each adding one. The sums and the chain's end
// are the same however the goroutines are scheduled.
package main

import (
	"fmt"
	"sync"
)

const n = 10000

func fanIn() {
	var wg sync.WaitGroup
	results := make(chan int, 100)
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results <- i
		}(i)
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	sum, count := 0, 0
	for v := range results {
		sum += v
		count++
	}
	fmt.Printf("fan-in: %d goroutines, sum %d (expected %d)\n", count, sum, n*(n+1)/2)
}

func chain() {
	first := make(chan int)
	in := first
	for i := 0; i < n; i++ {
		out := make(chan int)
		go func(in <-chan int, out chan<- int) {
			out <- 1 + <-in
		}(in, out)
		in = out
	}
	first <- 0
	fmt.Printf("chain of %d goroutines: %d\n", n, <-in)
}

func main() {
	fanIn()
	chain()
}
