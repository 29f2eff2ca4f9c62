// TCP and UDP over loopback through Go's network poller (epoll, non-blocking
// connect and SO_ERROR, accept4): a net/http server and client, 50
// goroutines echoing over raw TCP at once, UDP, and a refused dial, on
// 127.0.0.1 and ::1. Ports are never printed.
package main

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
)

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func serveHTTP(host string) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	check(err)
	body := make([]byte, 200000)
	for i := range body {
		body[i] = byte(i*7 + i/251)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String()
	for i := 0; i < 3; i++ {
		resp, err := http.Get(url + "/data")
		check(err)
		got, err := io.ReadAll(resp.Body)
		check(err)
		resp.Body.Close()
		fmt.Printf("%s GET /data %d %d %x\n", host, resp.StatusCode, len(got), sha256.Sum256(got))
	}
	resp, err := http.Get(url + "/missing")
	check(err)
	resp.Body.Close()
	fmt.Printf("%s GET /missing %d\n", host, resp.StatusCode)
	srv.Close()
}

func echo(host string) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	check(err)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	var wg sync.WaitGroup
	ok := make([]bool, 50)
	for n := 0; n < 50; n++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			defer c.Close()
			r := bufio.NewReader(c)
			good := true
			for i := 0; i < 10; i++ {
				msg := fmt.Sprintf("goroutine %d line %d\n", n, i)
				c.Write([]byte(msg))
				line, err := r.ReadString('\n')
				good = good && err == nil && line == msg
			}
			ok[n] = good
		}(n)
	}
	wg.Wait()
	count := 0
	for _, g := range ok {
		if g {
			count++
		}
	}
	fmt.Printf("%s echo goroutines ok: %d of 50\n", host, count)
	ln.Close()
}

func udp(host string) {
	pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
	check(err)
	go func() {
		buf := make([]byte, 2048)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], addr)
		}
	}()
	c, err := net.Dial("udp", pc.LocalAddr().String())
	check(err)
	buf := make([]byte, 2048)
	for i := 0; i < 3; i++ {
		c.Write([]byte(fmt.Sprintf("datagram %d", i)))
		n, err := c.Read(buf)
		check(err)
		fmt.Printf("%s udp %s\n", host, buf[:n])
	}
	c.Close()
	pc.Close()
}

func refused(host string) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	check(err)
	addr := ln.Addr().String()
	ln.Close()
	_, err = net.Dial("tcp", addr)
	fmt.Printf("%s dial closed port: refused %v\n", host, errors.Is(err, syscall.ECONNREFUSED))
}

func main() {
	for _, host := range []string{"127.0.0.1", "::1"} {
		serveHTTP(host)
		echo(host)
		udp(host)
		refused(host)
	}
}
