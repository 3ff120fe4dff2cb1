// Module RegistryClient.
