module porthole

go 1.26.8
