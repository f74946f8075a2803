import Foundation
import PGOCommandLine

exit(await PGOTool.run(Array(CommandLine.arguments.dropFirst())))
