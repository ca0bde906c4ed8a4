// Package.swift declares the nnTests target; until the CLI's tests land here, this file keeps the
// target's folder present so that the package builds. Delete it when real tests are added.
