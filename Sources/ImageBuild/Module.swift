// Module ImageBuild.
