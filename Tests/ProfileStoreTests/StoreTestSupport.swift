import Foundation
import PGOSystem
import Pprof
import TestSupport
@testable import ProfileStore
