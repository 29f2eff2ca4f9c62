// GOMAXPROCS: the value the environment gives (GOMAXPROCS=2) or
// runtime.GOMAXPROCS sets is what runtime.GOMAXPROCS(0) reads; work split
// over that many CPU-bound goroutines gives the same result as done alone.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func work(from, to int) uint64 {
	var h uint64 = 1469598103934665603
	for i := from; i < to; i++ {
		h = (h ^ uint64(i)) * 1099511628211
	}
	return h
}

func main() {
	fmt.Println("GOMAXPROCS from the environment:", runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(2)
	fmt.Println("after runtime.GOMAXPROCS(2):", runtime.GOMAXPROCS(0))
	const parts, size = 4, 2000000
	results := make([]uint64, parts)
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			results[p] = work(p*size, (p+1)*size)
		}(p)
	}
	wg.Wait()
	same := true
	for p := 0; p < parts; p++ {
		same = same && results[p] == work(p*size, (p+1)*size)
	}
	fmt.Println("parallel results as serial ones:", same)
}
