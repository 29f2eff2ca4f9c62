// Runtime faults become panics that recover() catches: a nil-pointer
// dereference (the kernel's SIGSEGV) and an integer division by zero
// (SIGFPE), in the main goroutine and in another one; then a deliberate exit
// status.
package main

import (
	"fmt"
	"os"
)

type thing struct{ value int }

func deref(p *thing) (v int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return p.value, nil
}

func divide(a, b int) (v int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return a / b, nil
}

func main() {
	var nothing *thing
	_, err := deref(nothing)
	fmt.Println("nil dereference:", err)
	zero := len(os.Args) - len(os.Args)
	_, err = divide(7, zero)
	fmt.Println("division by zero:", err)
	done := make(chan error)
	go func() {
		_, err := deref(nothing)
		done <- err
	}()
	fmt.Println("nil dereference in a goroutine:", <-done)
	v, err := deref(&thing{42})
	fmt.Println("a good pointer:", v, err)
	os.Exit(3)
}
