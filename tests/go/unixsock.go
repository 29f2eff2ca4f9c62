// AF_UNIX through Go's net package and its netpoller: a stream listener
// serving goroutine clients (accept4, non-blocking connect, epoll edges),
// a unixgram pair and a unixpacket listener; each exchange printed in a
// fixed order, so the output compares with a native run.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

func must(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func serve(l net.Listener, n int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < n; i++ {
		c, err := l.Accept()
		must(err)
		go func(c net.Conn) {
			defer c.Close()
			line, err := bufio.NewReader(c).ReadString('\n')
			must(err)
			fmt.Fprint(c, strings.Repeat(strings.ToUpper(line), 500))
		}(c)
	}
}

func stream(dir string) {
	path := filepath.Join(dir, "go.sock")
	l, err := net.Listen("unix", path)
	must(err)
	var wg sync.WaitGroup
	wg.Add(1)
	go serve(l, 8, &wg)
	results := make([]string, 8)
	var cw sync.WaitGroup
	for i := 0; i < 8; i++ {
		cw.Add(1)
		go func(i int) {
			defer cw.Done()
			c, err := net.Dial("unix", path)
			must(err)
			defer c.Close()
			fmt.Fprintf(c, "client %d\n", i)
			r := bufio.NewReader(c)
			total := 0
			first := ""
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					break
				}
				if first == "" {
					first = strings.TrimSpace(line)
				}
				total += len(line)
			}
			results[i] = fmt.Sprintf("%s %d", first, total)
		}(i)
	}
	cw.Wait()
	wg.Wait()
	l.Close()
	sort.Strings(results)
	fmt.Println("stream:", strings.Join(results, ", "))
	_, err = os.Stat(path)
	fmt.Println("listener's name removed at close:", os.IsNotExist(err))
}

func datagrams(dir string) {
	a, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, "a.sock"), Net: "unixgram"})
	must(err)
	b, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, "b.sock"), Net: "unixgram"})
	must(err)
	for _, m := range []string{"one", "two", "three"} {
		_, err := a.WriteToUnix([]byte(m), b.LocalAddr().(*net.UnixAddr))
		must(err)
	}
	buf := make([]byte, 16)
	for i := 0; i < 3; i++ {
		n, from, err := b.ReadFromUnix(buf)
		must(err)
		fmt.Printf("unixgram: %q from %s\n", buf[:n], filepath.Base(from.Name))
	}
	a.Close()
	b.Close()
}

func packets(dir string) {
	l, err := net.Listen("unixpacket", "@pkgload-go-unixpacket")
	must(err)
	done := make(chan string)
	go func() {
		c, err := l.Accept()
		must(err)
		first, second := make([]byte, 4), make([]byte, 4)
		n, err := c.Read(first) // 4 of "abcdef": the rest of that message is dropped
		must(err)
		m, err := c.Read(second)
		must(err)
		done <- fmt.Sprintf("%q %q", first[:n], second[:m])
		c.Close()
	}()
	c, err := net.Dial("unixpacket", "@pkgload-go-unixpacket")
	must(err)
	c.Write([]byte("abcdef"))
	c.Write([]byte("gh"))
	fmt.Println("unixpacket:", <-done)
	c.Close()
	l.Close()
}

func main() {
	dir, err := os.MkdirTemp("", "gounix")
	must(err)
	defer os.RemoveAll(dir)
	stream(dir)
	datagrams(dir)
	packets(dir)
}
