import Foundation
import PGOCommandLine

exit(PGOTool.run(Array(CommandLine.arguments.dropFirst())))
