// runtime.GC under allocation pressure: four goroutines allocate some 60 MB
// in small and large objects while keeping 2,000 small ones alive; the
// collector runs (NumGC grows, also when called), what was kept is intact,
// and the heap stays small.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

type node struct {
	id   int
	data []byte
	next *node
}

func churn(worker int, kept *[]*node, wg *sync.WaitGroup) {
	defer wg.Done()
	var head *node
	for i := 0; i < 5000; i++ {
		size := 64 + (i%16)*256
		if i%1000 == 500 {
			size = 1 << 20 // a large object now and then, not kept
		}
		n := &node{id: worker*1000000 + i, data: make([]byte, size)}
		n.data[0], n.data[size-1] = byte(i), byte(i>>8)
		if i%10 == 0 {
			n.next = head
			head = n
		}
	}
	for n := head; n != nil; n = n.next {
		*kept = append(*kept, n)
	}
}

func main() {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	kept := make([][]*node, 4)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go churn(w, &kept[w], &wg)
	}
	wg.Wait()
	runtime.GC()
	runtime.ReadMemStats(&after)
	intact, total := 0, 0
	for w, list := range kept {
		for _, n := range list {
			i := n.id - w*1000000
			total++
			if n.data[0] == byte(i) && n.data[len(n.data)-1] == byte(i>>8) {
				intact++
			}
		}
	}
	fmt.Printf("kept %d objects, intact %d\n", total, intact)
	fmt.Printf("collections ran: %v, and runtime.GC() ran one: %v\n",
		after.NumGC > before.NumGC+1, after.NumGC > before.NumGC)
	fmt.Printf("heap in use after GC under 32 MB: %v\n", after.HeapInuse < 32<<20)
}
